import torch
from torch import nn
from torch.nn import functional as F

# d2l's DenseBlock and transition block (chapter "DenseNet", as written
# there), and a head of our own: ReLU, mean and reshape(X.shape[0], -1)


def conv_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super(DenseBlock, self).__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


class Head(nn.Module):
    def __init__(self, channels, classes):
        super().__init__()
        self.fc = nn.Linear(channels, classes)

    def forward(self, X):
        X = F.relu(X).mean((2, 3), keepdim=True)
        return self.fc(X.reshape(X.shape[0], -1))


net = nn.Sequential(nn.Conv2d(3, 4, kernel_size=3, padding=1), DenseBlock(2, 4, 3),
                    transition_block(10, 5), DenseBlock(2, 5, 2), nn.BatchNorm2d(9), Head(9, 5))
