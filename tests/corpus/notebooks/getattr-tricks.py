# expect: AttributeError: type object 'object' has no attribute '__subclasses__'
cls = getattr((), '__class__')
base = getattr(cls, '__base__')
getattr(base, '__subclasses__')()
