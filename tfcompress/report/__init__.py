"""report.json and report.md: every model's metrics and size, like the paper's tables."""
from tfcompress.report.tables import markdown
from tfcompress.report.writer import collect
from tfcompress.report.writer import write

__all__ = ["collect", "markdown", "write"]
