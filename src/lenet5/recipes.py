"""Training recipes: the course experiment as published, a more accurate one (lesson 5), and
the one that trains LeCun et al.'s 1998 LeNet-5 (``LeNet5(variant="lenet1998")``).

A :class:`Recipe` is passed whole (``train(net, dataset, recipe)``) and checks its own values,
so a notebook, ``main.py`` and the experiments all get the same errors. See README.md
("Recipes") for the accuracy and time each gives on the shipped sample.
"""
from dataclasses import asdict, dataclass, fields, replace

from .errors import RecipeError

SCHEDULES = ("constant", "cosine")  # cosine: decay to 0 over all steps, after the warm-up
OPTIMIZERS = ("momentum", "adam")  # nn.Momentum (momentum 0 is plain SGD) or nn.Adam


@dataclass(frozen=True)
class Recipe:
    name: str
    epochs: int = 3
    batch_size: int = 32
    lr: float = 0.01
    momentum: float = 0.9  # unused by Adam
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_epochs: int = 0
    augment: bool = False  # random affine distortions inside the MindSpore pipeline
    optimizer: str = "momentum"

    def __post_init__(self):
        checks = (
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.lr > 0, "lr must be positive"),
            (0 <= self.momentum < 1, "momentum must be in [0, 1)"),
            (self.weight_decay >= 0, "weight_decay must not be negative"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}"),
            (0 <= self.warmup_epochs <= self.epochs, "warmup_epochs must be in [0, epochs]"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
        )
        for ok, message in checks:
            if not ok:
                field = message.split()[0]
                raise RecipeError(f"recipe {self.name!r}: {message}, got "
                                  f"{getattr(self, field)!r}")

    def with_overrides(self, **values):
        """A copy with the given fields changed (checked again); ``None`` values are ignored."""
        unknown = set(values) - {f.name for f in fields(self)}
        if unknown:
            raise RecipeError(f"a recipe has no {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    def as_dict(self):
        return asdict(self)


RECIPES = {
    # The original MindSpore course experiment: LeNet5, 3 epochs, batch 32, lr 0.01, Momentum 0.9.
    "course": Recipe("course"),
    # The most accurate we found on the 8,000-image sample (README "Recipes"); lesson 5 measures
    # each of its parts on a validation split (tools/recipe_ablation.py). Batch 64 halves the
    # steps per epoch; the linear scaling rule would double the learning rate (0.02), and the
    # 1-epoch warm-up lets it go five times further, to 0.1.
    "accurate": Recipe("accurate", epochs=40, batch_size=64, lr=0.1, momentum=0.9,
                       weight_decay=5e-4, schedule="cosine", warmup_epochs=1, augment=True),
    # LeNet5 lenet1998 in the course's 3 epochs, chosen on a validation split by
    # tools/lenet1998.py: at the course's lr 0.01 its trained subsampling coefficients blow up
    # and its tanh units saturate; lr 0.002 with twice the steps (batch 16) and a cosine decay
    # did best.
    "lenet1998": Recipe("lenet1998", epochs=3, batch_size=16, lr=0.002, momentum=0.9,
                        schedule="cosine"),
}
# The recipe main.py trains each variant with unless --recipe says otherwise.
DEFAULT_RECIPE = {"classic": "course", "course": "course", "lenet1998": "lenet1998"}
