# seed: 0
import torch
from torch import nn
class MyModel(nn.Module):
    def __init__(self, **kwargs):
        super(MyModel, self).__init__(**kwargs)
        self.weight1 = nn.Parameter(torch.rand(20, 20))
        self.weight2 = torch.rand(20, 20)

    def forward(self, x):
        pass

n = MyModel()
for name, param in n.named_parameters():
    print(name)
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.out = nn.Linear(8, 2)
        self.scale = nn.Parameter(torch.ones(2))
    def forward(self, x):
        return self.out(self.act(self.hidden(x))) * self.scale
torch.manual_seed(0)
net = MLP()
print(net)
X = torch.rand(3, 4)
y = net(X)
print(y)
print([k for k, v in net.named_parameters()], list(net.state_dict().keys()))


print(type(net), isinstance(net, nn.Module), len(list(net.parameters())), [n for n, m in net.named_modules()])
y.sum().backward()
print(net.scale.grad, net.hidden.bias.grad.shape)
net.zero_grad()
print(net.scale.grad)
net.apply(lambda m: print(type(m).__name__))
net
