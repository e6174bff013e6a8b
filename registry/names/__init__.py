"""Name rules: the one home of every rule about how organisation names are written.

Script detection (``script``), legal forms and their families (``legal_forms``), places
and countries (``places``), abbreviations (``abbreviations``), prefixes such as the PLA's
(``prefixes``), generic words (``generic``) and what an alias may not be (``aliases``).
Every importer, the lookup index, the mention scanner and resolution read these tables,
so a name one step treats as one organisation is one organisation for every step.

A leaf package: it imports nothing from the registry, the database or the index, and no
numpy, rapidfuzz or models (``tests/registry/names/test_leaf.py`` checks it), so a text
helper that needs a rule stays light. Nothing is re-exported here: import the module.
"""
