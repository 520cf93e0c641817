# R 4.2.2 + sandwich 3.0-2 (Debian bookworm r-base-core, r-cran-sandwich): the reference numbers hard-coded in
# tests/stats/hac.test.ts (Rscript tests/stats/reference/sandwich_hac.R). Not run by the test suite.
library(sandwich)
data("Investment", package = "sandwich")
d <- na.omit(as.data.frame(Investment)[, c("RealInv", "RealGNP", "RealInt")])
p <- function(name, v) cat(name, "=", paste(sprintf("%.17g", as.vector(v)), collapse = ", "), "\n")
p("RealInv", d$RealInv); p("RealGNP", d$RealGNP); p("RealInt", d$RealInt)
fm <- lm(RealInv ~ RealGNP + RealInt, data = d)
p("coef", coef(fm))
p("NW4", NeweyWest(fm, lag = 4, prewhite = FALSE, adjust = FALSE))
p("NW4adj", NeweyWest(fm, lag = 4, prewhite = FALSE, adjust = TRUE))
p("NW0", NeweyWest(fm, lag = 0, prewhite = FALSE, adjust = FALSE))
p("bwNW", bwNeweyWest(fm, kernel = "Bartlett", prewhite = 0))
p("NWauto", NeweyWest(fm, prewhite = FALSE, adjust = FALSE))
p("bwA", bwAndrews(fm, kernel = "Bartlett", prewhite = 0))
p("KA", kernHAC(fm, kernel = "Bartlett", bw = bwAndrews, prewhite = FALSE, adjust = FALSE))
p("KAadj", kernHAC(fm, kernel = "Bartlett", bw = bwAndrews, prewhite = FALSE, adjust = TRUE))
# Univariate: AR(1) driven by the LCG s <- (69069 s + 1) mod 2^32, e = s / 2^32 - 0.5, x = 0.6 x + e, 200 values.
s <- 12345; x <- numeric(200); prev <- 0
for (t in 1:200) { s <- (69069 * s + 1) %% 4294967296; e <- s / 4294967296 - 0.5; prev <- 0.6 * prev + e; x[t] <- prev }
p("x_head", x[1:3]); p("x_sum", sum(x))
fx <- lm(x ~ 1)
p("x_NW5", sqrt(NeweyWest(fx, lag = 5, prewhite = FALSE, adjust = FALSE)))
p("x_NW5adj", sqrt(NeweyWest(fx, lag = 5, prewhite = FALSE, adjust = TRUE)))
p("x_bwNW", bwNeweyWest(fx, kernel = "Bartlett", prewhite = 0))
p("x_NWauto", sqrt(NeweyWest(fx, prewhite = FALSE, adjust = FALSE)))
p("x_bwA", bwAndrews(fx, kernel = "Bartlett", prewhite = 0))
p("x_KA", sqrt(kernHAC(fx, kernel = "Bartlett", bw = bwAndrews, prewhite = FALSE, adjust = FALSE)))
a <- ar(x - mean(x), order.max = 1, aic = FALSE, method = "ols"); p("x_rho", a$ar); p("x_var", a$var.pred)
# Regression with a regressor: y = 1 + 0.5 z + x, z = the LCG uniforms continued.
z <- numeric(200)
for (t in 1:200) { s <- (69069 * s + 1) %% 4294967296; z[t] <- s / 4294967296 }
y <- 1 + 0.5 * z + x
fy <- lm(y ~ z)
p("y_coef", coef(fy))
p("y_NW3", NeweyWest(fy, lag = 3, prewhite = FALSE, adjust = FALSE))
p("y_NW3adj", NeweyWest(fy, lag = 3, prewhite = FALSE, adjust = TRUE))
p("y_bwNW", bwNeweyWest(fy, kernel = "Bartlett", prewhite = 0))
p("y_NWauto", NeweyWest(fy, prewhite = FALSE, adjust = FALSE))
p("y_bwA", bwAndrews(fy, kernel = "Bartlett", prewhite = 0))
p("y_KA", kernHAC(fy, kernel = "Bartlett", bw = bwAndrews, prewhite = FALSE, adjust = FALSE))
