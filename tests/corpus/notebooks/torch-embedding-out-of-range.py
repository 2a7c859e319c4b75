# expect: IndexError: index out of range in self
import torch
from torch import nn
emb = nn.Embedding(10, 3)
emb(torch.tensor([1, 2, 99]))
print("pwned")
