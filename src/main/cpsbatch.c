#include <stdio.h>

int main(void)
{
    fputs("cpsbatch: not built yet\n", stderr);
    return 2;
}
