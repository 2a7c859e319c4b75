from torch.nn import Linear, ReLU, Sequential, Sigmoid, LazyLinear

net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2, bias=False), Sigmoid(),
                 LazyLinear(2))
