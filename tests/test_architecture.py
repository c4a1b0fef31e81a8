"""The package's shape (docs/ARCHITECTURE.md): no import cycles, imports at module top except
for optional packages, and the architecture page lists every module."""
import ast
import os
import re

from helpers import ROOT

PACKAGE = os.path.join(ROOT, "src", "lenet5")
# The only imports allowed inside functions: optional packages and a private MindSpore API.
LAZY_ALLOWED = {"moxing", "ipywidgets", "tqdm.notebook", "mindspore._c_expression"}


def modules():
    """{dotted name: parsed module} for every .py file of the package."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for file in sorted(files):
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                rel = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].replace(os.sep, ".")
                name = rel.removesuffix(".__init__")
                with open(path, encoding="utf-8") as f:
                    found[name] = (ast.parse(f.read()), rel.endswith("__init__"))
    return found


def imported(name, is_package, node):
    """The lenet5 modules an import statement inside module ``name`` loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = name if is_package else name.rsplit(".", 1)[0]
    for _ in range(node.level - 1):
        base = base.rsplit(".", 1)[0]
    target = f"{base}.{node.module}" if node.level and node.module else (
        base if node.level else node.module)
    return [target] + [f"{target}.{a.name}" for a in node.names]


def test_no_import_cycles():
    mods = modules()
    graph = {}
    for name, (tree, is_package) in mods.items():
        edges = set()
        for node in tree.body:  # module-level imports: the ones that run at import time
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= {t for t in imported(name, is_package, node) if t in mods}
        graph[name] = edges - {name}

    def parents(module):  # importing a.b.c first imports a and a.b
        parts = module.split(".")
        return {".".join(parts[:i]) for i in range(1, len(parts))}

    for name in graph:  # a package's __init__ runs before its modules: not a cycle of its own
        graph[name] = {t for t in graph[name] if t not in parents(name)}
    done, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(node):]
                                                                 + [node]))
        if node in done:
            return
        stack.append(node)
        for target in sorted(graph[node]):
            visit(target)
        stack.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)


def test_imports_inside_functions_are_only_of_optional_packages():
    lazy = []
    for name, (tree, _) in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import):
                        lazy += [(name, a.name) for a in inner.names]
                    elif isinstance(inner, ast.ImportFrom):
                        lazy.append((name, "." * inner.level + (inner.module or "")))
    assert {m for _, m in lazy} <= LAZY_ALLOWED, sorted(set(lazy))


def test_matplotlib_only_in_plots():
    users = [name for name, (tree, _) in modules().items() for node in ast.walk(tree)
             if isinstance(node, (ast.Import, ast.ImportFrom))
             and any(t.startswith("matplotlib") for t in imported(name, False, node) if t)]
    assert set(users) == {"lenet5.analysis.plots"}


def test_the_architecture_page_lists_every_module():
    with open(os.path.join(ROOT, "docs", "ARCHITECTURE.md"), encoding="utf-8") as f:
        page = f.read()
    listed = set(re.findall(r"^\| `([\w/]+\.py)` \|", page, re.M))
    files = {os.path.relpath(os.path.join(folder, f), PACKAGE).replace(os.sep, "/")
             for folder, _, names in os.walk(PACKAGE) for f in names if f.endswith(".py")}
    files -= {f for f in files if f.endswith("__init__.py") and f != "__init__.py"}
    assert listed == files, {"not listed": sorted(files - listed),
                             "gone": sorted(listed - files)}
