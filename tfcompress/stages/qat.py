"""The qat stage: quantization-aware training (TFMOT; through the Distiller as `qat.distill`
says, `fitting.teaching`), then an int8 .tflite scored like the quantize stage's.

Its input is the model `qat.source` picks ("last": the latest configured of student,
distill, prune, cluster). `qat.preserve="auto"` keeps what the input has: the zeros of a
pruned model (PQAT), the shared values of a clustered one (CQAT), or both (PCQAT).
"""
from tfcompress import artifacts
from tfcompress import layout
from tfcompress import prune
from tfcompress import quantize
from tfcompress import training
from tfcompress.errors import config_keys
from tfcompress.quantize import qat
from tfcompress.stages import fitting
from tfcompress.stages import graph
from tfcompress.stages import quantize as quantize_stage
from tfcompress.stages import student

_SPARSE = 0.2  # "auto" keeps the zeros of an input with at least this share of them.


def _preserve(run, model):
  """What the collaborative scheme keeps: `qat.preserve`, or with "auto" the input's."""
  choice = run.config.qat.preserve
  if choice != "auto":
    return choice
  sparse = prune.sparsity_summary(model)["sparsity"] >= _SPARSE
  clustered = "distinct_values" in run.input()[1]
  return {(False, False): "none", (True, False): "sparsity", (False, True): "clusters",
          (True, True): "both"}[(sparse, clustered)]


def qat_stage(run):
  """Fine-tunes the input model with fake int8 quantization; writes and scores the int8."""
  with training.precision("float32"):  # TFMOT's wrappers take float32 models only.
    return _qat_stage(run)


def _qat_stage(run):
  c = run.config.qat
  model = run.load_model()
  source_name = run.input()[0]["name"]
  preserve = _preserve(run, model)
  calibration = run.train_images(run.config.quantize.calibration_images)
  with qat.quantize_scope():
    with run.strategy.scope():
      wrapped = qat.qat_model(model, preserve)
      qat.calibrate(wrapped, calibration)  # Ranges from the images post-training int8 uses.
    # The calibrated start competes with the fine-tuned epochs (as epoch 0): kept when
    # QAT does not beat it on validation.
    fitted, timer = fitting.train_student(run, wrapped, c.epochs, fitting.teaching(run),
                                          c.learning_rate, keep_start=True)
    weights = artifacts.save_weights(wrapped, run.out("model.weights.h5"))
    content = quantize.convert(wrapped, "int8", calibration)
  name = f"{source_name}_qat_int8"
  path = artifacts.write_bytes(run.out(f"{name}.tflite"), content)
  _, reference_model = quantize_stage.reference(run)
  reference_bytes = len(quantize.convert(reference_model, "float32"))
  product = quantize_stage.tflite_product(run, content, name, "int8", path, reference_bytes,
                                          model)
  summary = prune.sparsity_summary(model)
  with qat.quantize_scope():  # Deep Compression's files, as the quantize stage writes them.
    product.metrics.update(quantize_stage.compressed_files(
        run, wrapped, "int8", calibration, content, name, summary["sparsity"],
        product.metrics["gzip_bytes"], per_channel=True))  # As `content`: QAT's own axes.
  product.metrics["smallest_ratio"] = reference_bytes / product.metrics["smallest_bytes"]
  product.metrics.update(
      preserve=preserve, taught=run.teaches(), input_sparsity=summary["sparsity"],
      params=int(model.count_params()),
      qat_weights=layout.relative(run.workdir, weights), history=fitted.history,
      selection=fitted.selection(), epoch_seconds=timer.seconds)
  return [product]


def _check(config, splits):
  """TFMOT can quantize every layer of the student (before anything trains)."""
  with qat.quantize_scope(), config_keys(model="student.model"):
    qat.qat_model(student.build(config, splits))


graph.register(graph.Stage(
    name="qat", run=qat_stage, distill="qat.distill", check=_check,
    inputs=("student", "distill", "channels", "prune", "cluster"),
    source="qat.source", uses=("student",), reads=("quantize",),
    compare=("quantize",), curves=False,
    doc="quantization-aware training (TFMOT; PQAT/CQAT/PCQAT keep zeros and shared "
        "values), then an int8 .tflite"))
