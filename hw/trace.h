#include "trace/trace-hw_zcomp.h"
