# A comment-heavy model file.
# It checks comments, blank lines and line continuation inside brackets.

import torch          # ignored by ParamScope
from torch import nn  # ditto


def head():  # a factory
    # the body starts with a comment
    return nn.Sequential(   # open bracket, then a comment
        nn.Linear(
            4,              # in_features
            2,              # out_features
        ),
        # a comment between arguments
        nn.Sigmoid(),
    )


net = nn.Sequential(
    nn.Linear(3,
              4),           # first layer
    nn.ReLU(),

    # blank line above, comment here
    head(),
)  # trailing comment
# the end
