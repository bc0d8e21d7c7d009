"""The bundled scenarios, world data sets, event cards and sweep specs.

A package only so that the wheel ships them: code reads them through ``CONFIG_DIR``
(``model.data.world_data``), which works the same from a checkout and an installed wheel.
"""
