"""Students (the paper's CNN, plug-in functions) and the keras.applications teacher ensemble."""
from tfcompress.models.students import build_student
from tfcompress.models.teacher import build_member
from tfcompress.models.teacher import ensemble
from tfcompress.models.trained import load as load_trained

# Internals, importable as `models.<name>` by the stages and tests; not the public API.
from tfcompress.models.students import paper_cnn  # noqa: F401
from tfcompress.models.teacher import member_size  # noqa: F401
from tfcompress.models.teacher import set_bn_momentum  # noqa: F401
from tfcompress.models.teacher import unfreeze_top  # noqa: F401
from tfcompress.models.trained import is_file as is_trained_file  # noqa: F401

__all__ = ["build_member", "build_student", "ensemble", "load_trained"]
