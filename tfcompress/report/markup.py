"""Markdown pieces every report.md section uses: a table, and a model's name marked when
it collapsed."""


def _row(cells):
  return "| " + " | ".join(str(c) for c in cells) + " |"


def table(header, rows):
  """A Markdown table, or a line saying there is none when `rows` is empty."""
  if not rows:
    return "(no models for this table in this run)"
  return "\n".join([_row(header), _row(["---"] * len(header))] + [_row(r) for r in rows])


def label(name, s):
  """The model's name, marked when it collapsed on validation in any seed."""
  seeds = [str(seed) for seed in s.get("collapsed_seeds") or [] if seed is not None]
  if s.get("collapsed_seeds"):
    return f"{name} **COLLAPSED**" + (f" (seed {', '.join(seeds)})" if seeds else "")
  return name
