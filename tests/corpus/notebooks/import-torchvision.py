# expect: ImportError: import of 'torchvision' is not allowed
import torchvision
