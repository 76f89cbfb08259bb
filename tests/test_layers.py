"""Data flows one way: each subpackage imports only those before it in LAYERS.

Every module under tfcompress/ is parsed with `ast` (nothing is imported), and every
`import` of it is checked, at module level and inside functions alike. Shared low-level
modules (errors, _keras, config, artifacts, layout, tflite_file, ...) are not layers and
may be imported from anywhere. The top (stages, pipeline, main, bench and the CLIs)
may import everything and is not checked; a layer may not import it (KNOWN lists the
exceptions, each with its reason).

This test would have caught `from tfcompress.export.model_info import check_tflite` in
quantize/container.py and `from tfcompress.evaluate.tflite import TFLiteModel` in
export/model_info.py and export/tflm.py; both now come from tfcompress/tflite_file.py.
"""
import ast
import pathlib

LAYERS = ("data", "models", "distill", "prune", "quantize", "export", "evaluate", "report")
TOP = ("stages", "pipeline", "main", "bench", "cli_flags", "container_cli")
# (importing module, subpackage above it) -> why it is allowed.
KNOWN = {
}
PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tfcompress"


def imported(source):
  """The tfcompress modules `source` imports, anywhere in it, as dotted names."""
  names = set()
  for node in ast.walk(ast.parse(source)):
    if isinstance(node, ast.Import):
      names.update(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
      names.add(node.module)
      names.update(f"{node.module}.{alias.name}" for alias in node.names)
  return {n for n in names if n.split(".")[0] == "tfcompress"}


def _part(name):
  """The subpackage in a dotted name: prune in tfcompress.prune.stddev; "" for tfcompress."""
  return (name.split(".") + [""])[1]


def violations(module, source):
  """The subpackages above `module` (a dotted name) that `source` imports, as messages."""
  part = _part(module)
  if part not in LAYERS:
    return []
  targets = sorted({_part(name) for name in imported(source)})
  above = [t for t in targets if t in TOP
           or (t in LAYERS and LAYERS.index(t) > LAYERS.index(part))]
  return [f"{module} imports tfcompress.{t}" for t in above if (module, t) not in KNOWN]


def _modules():
  for path in sorted(PACKAGE.rglob("*.py")):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    yield ".".join(p for p in parts if p != "__init__"), path.read_text()


def test_no_layer_imports_a_later_one():
  found = [v for module, source in _modules() for v in violations(module, source)]
  assert not found, "\n".join(found)


def test_the_check_catches_upward_imports():
  assert violations("tfcompress.quantize.container",
                    "from tfcompress.export.model_info import check_tflite")
  assert violations("tfcompress.export.tflm",
                    "def f():\n  from tfcompress import evaluate\n")
  assert violations("tfcompress.data.arrays", "import tfcompress.stages.graph")
  assert not violations("tfcompress.evaluate.energy", "from tfcompress.models import layers")
  assert not violations("tfcompress.callbacks.exporter", "from tfcompress import export")


def test_known_exceptions_still_exist():
  sources = dict(_modules())
  for module, target in KNOWN:
    assert target in {_part(n) for n in imported(sources[module])}, f"drop {module} from KNOWN"
