// Headers the HumanEval-X C++ tests and typical completions rely on without including them;
// every program is compiled with -include prelude.h (precompiled by prepare.sh).
#include<algorithm>
#include<climits>
#include<cmath>
#include<cstdlib>
#include<cstring>
#include<iostream>
#include<map>
#include<math.h>
#include<numeric>
#include<set>
#include<stdio.h>
#include<stdlib.h>
#include<string>
#include<vector>
