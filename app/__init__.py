"""OSCE Simulator: timed clinical-skills encounters with a standardized patient."""

import os

# The SP's matrix products are small (a few thousand phrasings by 192 dimensions). numpy's
# OpenBLAS would split each over every core and wait for all of them: on a machine busy with
# other work one product then takes ~20 ms instead of 0.1 ms, on the GUI thread. Likewise the
# tokenizer's thread pool gains nothing on one question and only competes for the cores.
# Set before numpy or tokenizers load (both read these once); the user's own values win.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.1.0"
