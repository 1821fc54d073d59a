"""genbench: compare generative models on MNIST.

Importing the package bounds how long OpenMP threads spin before they sleep (about 0.1 ms,
unless the environment sets a policy of its own), before anything loads torch. With the
default spinning, two torch processes on two cores ran each DDPM step 1.5-2x slower than with
sleeping threads (and 5-17x beside other work); with no spin at all an idle machine's steps are
20 % slower. The short spin keeps both: benchmarks/results/omp_wait_xeon207.txt. Every stage
script and the CLI import genbench before torch.
"""

import os

if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["GOMP_SPINCOUNT"] = "10000"  # libgomp (torch's OpenMP on Linux): spins before sleeping
