# expect: invalid_utf8.py:4:3: invalid UTF-8; a model file is UTF-8 text
import torch
from torch import nn
# ÿ
