#ifndef WHISTLE_CZBAR_SHIM_H
#define WHISTLE_CZBAR_SHIM_H
#include <zbar.h>

/// The fourcc of 8-bit greyscale ("Y800"), which Swift cannot build from the zbar_fourcc macro.
static inline unsigned long whistle_zbar_y800(void) { return zbar_fourcc('Y', '8', '0', '0'); }
#endif
