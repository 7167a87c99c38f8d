// The header must compile as C++ too (extern "C", no C-only constructs).
#include <pastiche.h>

int main() {
    pastiche_params params;
    return pastiche_params_init(&params, sizeof params) == PASTICHE_OK ? 0 : 1;
}
