"""What the tests share and are not tests themselves.

* ``builders``: the tiny four-economy world, scenarios and events as dicts, table lookups;
* ``seats``: a scripted test seat with fixed actions and a fixed answer to every offer;
* ``synthetic``: calibrated markets of any size (tests and benchmarks);
* ``reference_clearing``: a plain-Python clearing, the oracle for ``model.engine.markets``;
* ``browser``: Debian's Chromium for the end-to-end tests, free ports, Vuetify selects.

Test modules import from here (``from support.builders import scenario``), never from each
other. The benchmarks import the same modules with ``tests/`` on their path.
"""
