# expect: bare_expression_stmt.py: no module is bound at top level (write e.g. net =
import torch
from torch import nn
nn.Linear(4, 8)
