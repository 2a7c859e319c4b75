# expect: empty_file.py: no module is bound at top level (write e.g. net =

