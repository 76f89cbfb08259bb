"""Students (the paper's CNN, plug-in functions) and the keras.applications teacher ensemble."""
from tfcompress.models.students import build_student
from tfcompress.models.students import paper_cnn
from tfcompress.models.teacher import build_member
from tfcompress.models.teacher import ensemble
from tfcompress.models.teacher import MEMBERS
from tfcompress.models.teacher import unfreeze_top

__all__ = ["MEMBERS", "build_member", "build_student", "ensemble", "paper_cnn",
           "unfreeze_top"]
