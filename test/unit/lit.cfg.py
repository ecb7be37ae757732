# -*- Python -*-
# GoogleTest unit tests, run by lit so that one summary covers everything.

import os

import lit.formats

config.name = "QuantForge-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.qf_obj_root, "test", "unit")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
