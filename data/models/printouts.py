# The printouts lenet.txt and resnet.txt of the Examples menu, as PyTorch
# prints these networks: run `python3 data/models/printouts.py` to write
# them again.  Train either on the Train tab's digit-like 28 x 28 patterns
# with the cross-entropy loss.
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

# d2l's LeNet-5 (7.6): sigmoid activations and average pooling
lenet = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))


# A small ResNet after d2l's (8.6): a stem, two residual stages (torchvision's
# BasicBlock is d2l's Residual: conv-bn-relu-conv-bn, plus the input or its
# 1x1 projection, then relu), global average pooling and a linear classifier
def down(i, o, stride):
    return nn.Sequential(nn.Conv2d(i, o, 1, stride=stride, bias=False), nn.BatchNorm2d(o))


resnet = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=5, stride=2, padding=2, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
    nn.Sequential(BasicBlock(8, 8)),
    nn.Sequential(BasicBlock(8, 16, 2, down(8, 16, 2))),
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
    nn.Linear(16, 10))

if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for name, net in (("lenet", lenet), ("resnet", resnet)):
        with open(os.path.join(here, name + ".txt"), "w") as f:
            f.write(str(net) + "\n")
