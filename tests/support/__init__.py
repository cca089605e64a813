"""What the tests import: fakes and builders per layer, the scripted endpoint, subprocess runners, the
differential walk. Fixtures are in the conftest.py files."""
