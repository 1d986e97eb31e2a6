// Only includes the system header, so the module map stays trivial.
#include <yaml.h>
