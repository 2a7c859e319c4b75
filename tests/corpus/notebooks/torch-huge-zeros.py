# expect: RuntimeError: not enough memory
import torch
x = torch.zeros(10**12)
