# expect: SyntaxError: the source is not valid UTF-8
x = "ÿþ"
