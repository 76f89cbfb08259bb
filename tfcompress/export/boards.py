"""Will a model fit a microcontroller board? Flash for the model, RAM for the tensor arena.

The budgets are what is left for the model after the firmware, not the chip's totals;
they are assumptions, stated per board, and conservative on purpose:

- esp32: 520 KB SRAM, of which about 320 KB is data RAM (DRAM; the rest is
  instruction RAM and cache). We budget the 320 KB for the arena; Wi-Fi or Bluetooth
  stacks take 50-100 KB of it, and ESP-IDF links at most 160 KB of static data, so
  an arena above 160 KB must come from the heap (`heap_caps_malloc`). Flash: 4 MB
  modules (ESP32-WROOM-32); 1 MB is kept for bootloader, partition table, NVS and the
  firmware with TFLM, leaving 3 MB (an app partition of that size, like Arduino's
  "Huge APP" scheme; the default 1 MB app partition leaves far less).
- esp32s3: 512 KB SRAM shared between code and data; we budget 320 KB for the arena
  (PSRAM, present on many modules, is not counted). Flash: 8 MB (ESP32-S3-WROOM-1
  N8), 1 MB kept for the firmware, leaving 7 MB.
- arduino_nano_33_ble: nRF52840, 256 KB RAM, 1 MB flash. Mbed OS and TFLM take about
  64 KB RAM and 256 KB flash, leaving 192 KB and 768 KB.

The arena that `tflm_check` measures on a 64-bit host is a little larger than on these
32-bit chips, so the RAM check errs on the safe side.

Example:
  fits(content, result["tflm_arena_bytes"], "esp32")["fits"]  # True
"""
from tfcompress.errors import InputError

KB = 1024
MB = 1024 * KB

BOARDS = {
    "esp32": {"sram_bytes": 520 * KB, "ram_budget_bytes": 320 * KB,
              "flash_bytes": 4 * MB, "flash_budget_bytes": 3 * MB},
    "esp32s3": {"sram_bytes": 512 * KB, "ram_budget_bytes": 320 * KB,
                "flash_bytes": 8 * MB, "flash_budget_bytes": 7 * MB},
    "arduino_nano_33_ble": {"sram_bytes": 256 * KB, "ram_budget_bytes": 192 * KB,
                            "flash_bytes": 1 * MB, "flash_budget_bytes": 768 * KB},
}


def _size(value, name):
  if isinstance(value, (bytes, bytearray, memoryview)):
    return len(value)
  if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
    return value
  raise InputError(f"`{name}` must be a size in bytes (an int >= 0) or the bytes themselves; "
                   f"for the arena use tflm_check(...)['tflm_arena_bytes']. "
                   f"Received: {name}={value!r}")


def check_boards(boards):
  """Raises InputError unless every name in `boards` is a key of BOARDS."""
  unknown = [b for b in boards if b not in BOARDS]
  if unknown:
    raise InputError(f"Argument `boards` names unknown board(s) {unknown}. Known: "
                     f"{', '.join(sorted(BOARDS))}. Received: boards={tuple(boards)!r}")


def fits(model_bytes, arena_bytes, board):
  """Whether the model (in flash) and its tensor arena (in RAM) fit `board`'s budgets.

  Args:
    model_bytes: the .tflite bytes, or their size.
    arena_bytes: the tensor arena size, e.g. `tflm_check(...)["tflm_arena_bytes"]`.
    board: a name in BOARDS.

  Returns:
    A dict: board, fits, flash_margin_bytes and ram_margin_bytes (negative when over),
    model_bytes, arena_bytes, and the board's budgets and totals.

  Raises:
    InputError: an unknown `board`, or a size that is neither bytes nor an int >= 0.

  Example:
    fits(40_000, 25_000, "esp32")  # {"board": "esp32", "fits": True, ...}
  """
  if not isinstance(board, str) or board not in BOARDS:
    raise InputError(f"Unknown board {board!r}. Use one of {', '.join(sorted(BOARDS))}.")
  model_size = _size(model_bytes, "model_bytes")
  arena_size = _size(arena_bytes, "arena_bytes")
  budget = BOARDS[board]
  flash_margin = budget["flash_budget_bytes"] - model_size
  ram_margin = budget["ram_budget_bytes"] - arena_size
  return {"board": board, "fits": flash_margin >= 0 and ram_margin >= 0,
          "flash_margin_bytes": flash_margin, "ram_margin_bytes": ram_margin,
          "model_bytes": model_size, "arena_bytes": arena_size, **budget}
