import pytest

from tfcompress.errors import InputError
from tfcompress.export import BOARDS
from tfcompress.export import fits


def test_a_small_model_fits_every_board():
  for board in BOARDS:
    result = fits(50_000, 20_000, board)
    assert result["fits"] and result["board"] == board
    assert result["flash_margin_bytes"] == BOARDS[board]["flash_budget_bytes"] - 50_000
    assert result["ram_margin_bytes"] == BOARDS[board]["ram_budget_bytes"] - 20_000


def test_budgets_are_below_the_chip_totals():
  assert {"esp32", "esp32s3", "arduino_nano_33_ble"} <= set(BOARDS)
  for budget in BOARDS.values():
    assert 0 < budget["ram_budget_bytes"] <= budget["sram_bytes"]
    assert 0 < budget["flash_budget_bytes"] <= budget["flash_bytes"]
  assert BOARDS["esp32"]["sram_bytes"] == 520 * 1024
  assert BOARDS["esp32"]["flash_bytes"] == 4 * 1024 * 1024


def test_the_budget_itself_fits_and_one_byte_more_does_not():
  ram = BOARDS["esp32"]["ram_budget_bytes"]
  flash = BOARDS["esp32"]["flash_budget_bytes"]
  assert fits(flash, ram, "esp32")["fits"]
  over_ram = fits(flash, ram + 1, "esp32")
  assert not over_ram["fits"] and over_ram["ram_margin_bytes"] == -1
  over_flash = fits(flash + 1, ram, "esp32")
  assert not over_flash["fits"] and over_flash["flash_margin_bytes"] == -1


def test_an_arena_for_the_s3_is_too_big_for_the_nano():
  assert fits(100_000, 250 * 1024, "esp32s3")["fits"]
  assert not fits(100_000, 250 * 1024, "arduino_nano_33_ble")["fits"]


def test_model_bytes_can_be_the_content(tflite_files):
  content = tflite_files["int8"]
  assert fits(content, 4096, "esp32")["model_bytes"] == len(content)


def test_unknown_board_lists_the_known_ones():
  with pytest.raises(InputError, match="'esp8266'.*arduino_nano_33_ble, esp32, esp32s3"):
    fits(1000, 1000, "esp8266")


@pytest.mark.parametrize("arena", [None, -1, 1.5, True])
def test_arena_must_be_a_size(arena):
  with pytest.raises(InputError, match="arena_bytes="):
    fits(1000, arena, "esp32")
