"""Pipeline stages: one module a stage, each registered in `graph` when imported.

Importing this package registers the built-in stages in chain order.
"""
from tfcompress.stages import teacher  # noqa: F401  (registers teacher)
from tfcompress.stages import teacher_prune  # noqa: F401
from tfcompress.stages import student  # noqa: F401  (registers student, distill)
from tfcompress.stages import channels  # noqa: F401
from tfcompress.stages import prune  # noqa: F401
from tfcompress.stages import cluster  # noqa: F401
from tfcompress.stages import quantize  # noqa: F401
from tfcompress.stages import qat  # noqa: F401
from tfcompress.stages import search  # noqa: F401
from tfcompress.stages import export  # noqa: F401
