#ifndef WHISTLE_CVIPS_SHIM_H
#define WHISTLE_CVIPS_SHIM_H
#include <vips/vips.h>

// Swift cannot call C varargs functions: each call we need gets a fixed-arity wrapper.

/// Reads only the header of an encoded image: size checks happen before any pixel is decoded.
static inline VipsImage *whistle_vips_header(const void *buf, size_t len) {
    return vips_image_new_from_buffer(buf, len, "", NULL);
}

/// Decodes, turns upright by its EXIF orientation and shrinks to fit `max_side` (never enlarges).
static inline int whistle_vips_thumbnail(void *buf, size_t len, VipsImage **out, int max_side) {
    // fail_on=truncated: a broken upload is refused, not stored half grey.
    return vips_thumbnail_buffer(buf, len, out, max_side, "height", max_side, "size", VIPS_SIZE_DOWN,
                                 "option_string", "fail_on=truncated", NULL);
}

/// Transparent pixels onto white, so a PNG with alpha becomes a plain photo.
static inline int whistle_vips_flatten_white(VipsImage *in, VipsImage **out) {
    VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
    int result = vips_flatten(in, out, "background", white, NULL);
    vips_area_unref(VIPS_AREA(white));
    return result;
}

static inline int whistle_vips_srgb(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/// JPEG with every metadata block (EXIF, GPS, XMP, ICC) dropped.
static inline int whistle_vips_jpeg_stripped(VipsImage *in, void **buf, size_t *len, int quality) {
    return vips_jpegsave_buffer(in, buf, len, "Q", quality, "strip", TRUE, NULL);
}

/// Loads a file, turned upright by its EXIF orientation.
static inline VipsImage *whistle_vips_load_file(const char *path) {
    return vips_image_new_from_file(path, NULL);
}

static inline int whistle_vips_autorot(VipsImage *in, VipsImage **out) {
    return vips_autorot(in, out, NULL);
}

/// One 8-bit grey band, for barcode readers.
static inline int whistle_vips_grey8(VipsImage *in, VipsImage **out) {
    VipsImage *bw = NULL;
    if (vips_colourspace(in, &bw, VIPS_INTERPRETATION_B_W, NULL)) return -1;
    VipsImage *one = NULL;
    int result = vips_extract_band(bw, &one, 0, NULL);
    g_object_unref(bw);
    if (result) return -1;
    result = vips_cast_uchar(one, out, NULL);
    g_object_unref(one);
    return result;
}

static inline int whistle_vips_resize(VipsImage *in, VipsImage **out, double scale) {
    return vips_resize(in, out, scale, NULL);
}

/// A string metadata field (EXIF fields come as "exif-ifd2-DateTimeOriginal"); NULL when absent. Free with g_free.
static inline char *whistle_vips_field(VipsImage *image, const char *name) {
    if (vips_image_get_typeof(image, name) == 0) return NULL;
    char *out = NULL;
    if (vips_image_get_as_string(image, name, &out)) return NULL;
    return out;
}

static inline void whistle_unref(VipsImage *image) {
    if (image) g_object_unref(image);
}
#endif
