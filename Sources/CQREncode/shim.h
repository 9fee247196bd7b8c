#ifndef WHISTLE_CQRENCODE_SHIM_H
#define WHISTLE_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
