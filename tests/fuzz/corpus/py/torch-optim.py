# %%
# seed: 0
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
X = torch.rand(16, 4)
y = X.sum(dim=1, keepdim=True)
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for step in range(5):
    opt.zero_grad()
    loss = ((net(X) - y) ** 2).mean()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5))
net[0].bias
# %%
adam = torch.optim.Adam(net.parameters(), lr=0.01)
for step in range(5):
    adam.zero_grad()
    loss = ((net(X) - y) ** 2).mean()
    loss.backward()
    adam.step()
print(loss, net[2].weight.grad)
net[2].weight
