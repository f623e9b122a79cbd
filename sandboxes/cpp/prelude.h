// Headers the HumanEval-X C++ tests and typical completions rely on without including them;
// every program is compiled with -include prelude.h (precompiled by prepare.sh). Not <cstring>:
// it declares ::strlen, which would shadow the strlen(string) that CPP/23 asks for.
#include<algorithm>
#include<climits>
#include<cmath>
#include<cstdlib>
#include<iostream>
#include<map>
#include<math.h>
#include<numeric>
#include<set>
#include<stdio.h>
#include<stdlib.h>
#include<string>
#include<vector>
