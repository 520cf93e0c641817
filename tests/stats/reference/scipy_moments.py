# scipy 1.10.1 (Debian bookworm python3-scipy): the bias-corrected skewness / kurtosis values hard-coded in
# tests/stats/descriptive.test.ts. Not run by the test suite.
from scipy.stats import skew, kurtosis
x = [1, 2, 3, 4, 10]
print(repr(skew(x, bias=True)), repr(skew(x, bias=False)))
print(repr(kurtosis(x, fisher=True, bias=True)), repr(kurtosis(x, fisher=True, bias=False)), repr(kurtosis(x, fisher=False, bias=False)))
y = [2.1, -0.4, 3.3, 0.0, -1.7, 5.2, 0.9, -2.5]
print(repr(skew(y, bias=False)), repr(kurtosis(y, bias=False)))
