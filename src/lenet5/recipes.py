"""Training recipes: the course experiment as published, and the most accurate one we measured.

See README.md ("Recipes") for the accuracy and time each gives on the shipped sample.
"""
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Recipe:
    name: str
    epochs: int = 3
    batch_size: int = 32
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"  # or "cosine": decay to 0 over all steps
    warmup_epochs: int = 0
    augment: bool = False  # random affine distortions inside the MindSpore pipeline

    def with_overrides(self, **values):
        """A copy with the given fields changed; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    def as_dict(self):
        return asdict(self)


RECIPES = {
    # The original MindSpore course experiment: LeNet5, 3 epochs, batch 32, lr 0.01, Momentum 0.9.
    "course": Recipe("course"),
    # Best measured on the 8,000-image sample within 3 minutes on 2 CPU cores (README "Recipes").
    # Batch 64 halves the steps (per-step overhead dominates LeNet5 on a CPU); the linear
    # scaling rule doubles the learning rate with it.
    "accurate": Recipe("accurate", epochs=40, batch_size=64, lr=0.1, momentum=0.9,
                       weight_decay=5e-4, schedule="cosine", warmup_epochs=1, augment=True),
}
