# %%
# seed: 0
# The lesson text 002: its PyTorch cells, unchanged
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
X = torch.rand(size=(2, 4))
net(X)
# %%
print(net[2].state_dict())
# %%
# 从第二个全连接层提取偏置值，提取后返回一个参数类实例，进一步访问该参数的值
print(type(net[2].bias))
print(net[2].bias)
print(net[2].bias.data)
# %%
# 调用每个参数的梯度，我们还没有调用反向传播，所以参数的梯度处于初始状态。
net[2].weight.grad == None
# %%
# 递归整个树来提取每个子块的参数
print(*[(name, param.shape) for name, param in net[0].named_parameters()])
print(*[(name, param.shape) for name, param in net.named_parameters()])
# %%
net.state_dict()['2.bias'].data
# %%
def block1():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(),nn.Linear(8, 4), nn.ReLU())

def block2():
    net = nn.Sequential()
    for i in range(4):
        net.add_module(f'block{i}', block1())
    return net

rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
rgnet(X)
# %%
print(rgnet)
# %%
rgnet[0][1][0].bias.data
# %%
# 将权重参数初始化为标准差为0.01的高斯随机变量
def init_normal(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, mean=0, std=0.01)# 均值为0， 方差为1的正态分布
        nn.init.zeros_(m.bias)
net.apply(init_normal)
net[0].weight.data[0], net[0].bias.data[0]
# %%
# 将所有参数初始化为给定的常数——1
def init_constant(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 1)
        nn.init.zeros_(m.bias)
net.apply(init_constant)
net[0].weight.data[0], net[0].bias.data[0]
# %%
# 使用Xavier初始化方法初始化第一个神经网络层，然后将第三个神经网络层初始化为常量值42
def init_xavier(m):
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)
def init_42(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 42)

net[0].apply(init_xavier)
net[2].apply(init_42)
print(net[0].weight.data[0])
print(net[2].weight.data)
# %%
def my_init(m):
    if type(m) == nn.Linear:
        print("Init", *[(name, param.shape) for name, param in m.named_parameters()][0])
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 5
        
net.apply(my_init)
net[0].weight[:2]
# %%
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] =42
net[0].weight.data[0]
# %%
shared = nn.Linear(8, 8)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), 
                   shared, nn.ReLU(),
                   shared, nn.ReLU(),
                   nn.Linear(8, 1))
net(X)
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0,0] = 100
print(net[2].weight.data[0] == net[4].weight.data[0])
