#ifndef WHISTLE_CCAIRO_SHIM_H
#define WHISTLE_CCAIRO_SHIM_H
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <pango/pangocairo.h>

/// PANGO_SCALE as a value Swift can see (the macro is an expression in some pango versions).
static inline int whistle_pango_scale(void) { return PANGO_SCALE; }
#endif
