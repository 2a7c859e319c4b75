# seed: 0
# %%
import torch
x = torch.arange(12)
print(x, x.shape, x.numel(), x.dtype)
X = x.reshape(3, 4)
print(X, X.T, X[1], X[-1, 1:3], X[:, 0])
X
# %%
a = torch.zeros((2, 3, 4))
b = torch.ones(2, 3)
c = torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(a, b, c, torch.tensor([1.0, 2, 4, 8]), torch.tensor(3.5), torch.tensor([True, False]))
r = torch.rand(2, 4)
n = torch.randn(size=(3, 2))
print(r, n)
# %%
x = torch.tensor([1.0, 2, 4, 8])
y = torch.tensor([2, 2, 2, 2])
print(x + y, x - y, x * y, x / y, x ** y, torch.exp(x), x == y, x > 2, -x, abs(-x))
print(x.sum(), x.mean(), x.max(), x.min(), x.norm(), x.sum().item(), float(x[1]), int(x[2]), x.tolist())
X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1), torch.stack([X[0], Y[0]]))
print(X.sum(dim=0), X.sum(1, keepdim=True), X @ Y.T, torch.mm(X, Y.t()), X.mean(0))
# %%
a = torch.arange(3).reshape((3, 1))
b = torch.arange(2).reshape((1, 2))
print(a + b)
X[1, 2] = 9
X[0:2, :] = 12
v = X[2]
v[0] = -1
print(X, v)
X += 1
print(X, X.clone().zero_(), X.detach().fill_(0.5))
torch.zeros(2).shape, torch.Size([2, 3])
# %%
w = torch.randn(3, 2, requires_grad=True)
xx = torch.ones(4, 3)
out = (xx @ w).sum()
print(w.grad, out.requires_grad)
out.backward()
print(w.grad, w.grad == 4)
with torch.no_grad():
    z = xx @ w
print(z.requires_grad, (xx @ w).requires_grad)
t = torch.tensor([[0.0001, 1000.0], [3.14159, -2.5]])
print(t, torch.tensor([1e-8, 1.0]), torch.tensor([123456789.0]), torch.arange(2000.0))
torch.set_printoptions(precision=2)
print(t)
torch.randn(2, 2).normal_(0, 0.01), torch.empty(3).uniform_(-1, 1)
