import sys
import mindspore
from mindspore import nn
from mindspore.nn import Cell
from mindspore.ops import functional as F
#
#
sys.path.insert(0, '/work/wt/issue5/src/lenet5')
import mindspore.nn as nn
from model import LeNet5

class LeNet5Opt(LeNet5, nn.Cell):

    def __init__(self, obj):
        nn.Cell.__init__(self)
        for key, value in obj.__dict__.items():
            setattr(self, key, value)
        self.__class__.input_size = obj.__class__.input_size
        self.Dense = obj.Dense
        self.ReLU = obj.ReLU
        self.Dense_1 = obj.Dense_1
        self.ReLU_1 = obj.ReLU_1
        self.Dense_2 = obj.Dense_2

    def features(self, x):
        conv1_var = self.conv1(x)
        relu_var_1 = self.relu(conv1_var)
        x = self.pool(relu_var_1)
        conv2_var = self.conv2(x)
        relu_var = self.relu(conv2_var)
        x = self.pool(relu_var)
        flatten_var = self.flatten(x)
        return flatten_var

    def construct(self, x):
        features_var = self.features(x)
        x = self.Dense(features_var)
        x = self.ReLU(x)
        x = self.Dense_1(x)
        x = self.ReLU_1(x)
        fc3_var = self.Dense_2(x)
        return fc3_var
#