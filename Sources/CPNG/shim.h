#ifndef WHISTLE_CPNG_SHIM_H
#define WHISTLE_CPNG_SHIM_H
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// libpng reports errors by longjmp, which must not cross Swift frames. This one function keeps the
// setjmp, the longjmp and the FILE inside C and hands Swift a return code and a message.

typedef struct {
    char message[200];
} whistle_png_error;

/// What the pixels handed to `whistle_png_write` are.
typedef enum {
    /// 1-bit greyscale rows, packed most significant bit first, 0 black and 1 white.
    WHISTLE_PNG_BILEVEL = 0,
    /// cairo's CAIRO_FORMAT_RGB24: a native-endian 32-bit 0x00RRGGBB word a pixel; written as 8-bit RGB.
    WHISTLE_PNG_CAIRO_RGB24 = 1,
} whistle_png_pixels;

static void whistle_png_on_error(png_structp png, png_const_charp message) {
    whistle_png_error *error = (whistle_png_error *)png_get_error_ptr(png);
    // libpng's own writer says only "Write Error"; errno (cleared before writing) says why.
    int cause = errno;
    if (error != NULL) {
        if (cause != 0) snprintf(error->message, sizeof error->message, "%s (%s)", message, strerror(cause));
        else snprintf(error->message, sizeof error->message, "%s", message);
    }
    png_longjmp(png, 1);
}

static void whistle_png_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/// Closes a file that failed and removes it, if it is a regular file (never a device such as /dev/full).
static inline void whistle_png_discard(FILE *file, const char *path) {
    struct stat status;
    int regular = fstat(fileno(file), &status) == 0 && S_ISREG(status.st_mode);
    fclose(file);
    if (regular) unlink(path);
}

/// Writes `height` rows of `stride` bytes to `path` with the given zlib level and PNG row filters
/// (PNG_FILTER_* bits), and a pHYs chunk when `dpi` > 0 so print software knows the physical size.
/// Returns 0, or -1 with `error->message` set.
static inline int whistle_png_write(
    const char *path, const unsigned char *pixels, int width, int height, int stride, whistle_png_pixels kind,
    double dpi, int level, int mem_level, int filters, whistle_png_error *error) {
    error->message[0] = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, error, whistle_png_on_error, whistle_png_on_warning);
    if (png == NULL) {
        snprintf(error->message, sizeof error->message, "libpng: out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        snprintf(error->message, sizeof error->message, "libpng: out of memory");
        return -1;
    }
    FILE *volatile file = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        // No half-written file is left behind to be mistaken for a plaque.
        if (file != NULL) whistle_png_discard(file, path);
        return -1;
    }
    file = fopen(path, "wb");
    if (file == NULL) {
        snprintf(error->message, sizeof error->message, "%s", strerror(errno));
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, file);
    errno = 0;
    png_set_compression_level(png, level);
    png_set_compression_mem_level(png, mem_level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    int bilevel = kind == WHISTLE_PNG_BILEVEL;
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bilevel ? 1 : 8,
                 bilevel ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (dpi > 0) {
        png_uint_32 perMetre = (png_uint_32)(dpi / 0.0254 + 0.5);
        png_set_pHYs(png, info, perMetre, perMetre, PNG_RESOLUTION_METER);
    }
    png_write_info(png, info);
    if (!bilevel) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        png_set_bgr(png);
        png_set_filler(png, 0, PNG_FILLER_AFTER);
#else
        png_set_filler(png, 0, PNG_FILLER_BEFORE);
#endif
    }
    for (int row = 0; row < height; row++) png_write_row(png, pixels + (size_t)row * (size_t)stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    FILE *written = file;
    file = NULL;
    struct stat status;
    int regular = fstat(fileno(written), &status) == 0 && S_ISREG(status.st_mode);
    if (fclose(written) != 0) {
        snprintf(error->message, sizeof error->message, "%s", strerror(errno));
        if (regular) unlink(path);
        return -1;
    }
    return 0;
}
#endif
