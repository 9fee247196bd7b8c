#ifndef WHISTLE_CVIPS_SHIM_H
#define WHISTLE_CVIPS_SHIM_H
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <vips/vips.h>

// libvips is opened on first use, not linked: it pulls in about a hundred shared libraries (HDF5,
// OpenEXR, FITS, curl…) whose loading took 18 ms of every `whistle` start, and only photos need it.
// Swift cannot call C varargs functions either, so each call we need is a fixed-arity wrapper here.

typedef struct {
    int (*init)(const char *);
    void (*cache_set_max)(int);
    const char *(*error_buffer)(void);
    void (*error_clear)(void);
    VipsImage *(*image_new_from_buffer)(const void *, size_t, const char *, ...);
    VipsImage *(*image_new_from_file)(const char *, ...);
    int (*thumbnail_buffer)(void *, size_t, VipsImage **, int, ...);
    VipsArrayDouble *(*array_double_newv)(int, ...);
    void (*area_unref)(VipsArea *);
    int (*flatten)(VipsImage *, VipsImage **, ...);
    int (*colourspace)(VipsImage *, VipsImage **, VipsInterpretation, ...);
    int (*jpegsave_buffer)(VipsImage *, void **, size_t *, ...);
    int (*autorot)(VipsImage *, VipsImage **, ...);
    int (*extract_band)(VipsImage *, VipsImage **, int, ...);
    int (*cast_uchar)(VipsImage *, VipsImage **, ...);
    GType (*image_get_typeof)(const VipsImage *, const char *);
    int (*image_get_as_string)(const VipsImage *, const char *, char **);
    void *(*image_write_to_memory)(VipsImage *, size_t *);
    int (*image_get_width)(const VipsImage *);
    int (*image_get_height)(const VipsImage *);
    gboolean (*image_hasalpha)(VipsImage *);
} whistle_vips_api;

typedef struct {
    whistle_vips_api api;
    int ready;
    char problem[300];
    pthread_once_t once;
} whistle_vips_state;

// Held in a function's static: Swift's importer emits inline functions into each object file that
// uses them, not file-scope statics. So each object file may hold its own copy of this table, and
// every wrapper below makes sure its copy is loaded (a pthread_once check). vips_init is idempotent
// but not thread-safe, so Swift calls `Vips.start()` (one copy, under its pthread_once) before any
// other wrapper can run: the other copies then find libvips started.
static inline whistle_vips_state *whistle_vips_shared(void) {
    static whistle_vips_state state = {.once = PTHREAD_ONCE_INIT};
    return &state;
}
#define whistle_vips (whistle_vips_shared()->api)
#define whistle_vips_ready (whistle_vips_shared()->ready)
#define whistle_vips_problem (whistle_vips_shared()->problem)

static void whistle_vips_open(void) {
    // The soname this build was compiled against: libvips.so.(CURRENT - AGE), 42 on Debian 12.
    char name[64];
#ifdef __APPLE__
    snprintf(name, sizeof name, "libvips.%d.dylib", VIPS_LIBRARY_CURRENT - VIPS_LIBRARY_AGE);
#else
    snprintf(name, sizeof name, "libvips.so.%d", VIPS_LIBRARY_CURRENT - VIPS_LIBRARY_AGE);
#endif
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(whistle_vips_problem, sizeof whistle_vips_problem, "libvips is not available: %s", dlerror());
        return;
    }
#define WHISTLE_VIPS_SYMBOL(field, symbol)                                                                     \
    *(void **)(&whistle_vips.field) = dlsym(library, symbol);                                                  \
    if (whistle_vips.field == NULL) {                                                                          \
        snprintf(whistle_vips_problem, sizeof whistle_vips_problem, "%s has no %s", name, symbol);             \
        return;                                                                                                \
    }
    WHISTLE_VIPS_SYMBOL(init, "vips_init")
    WHISTLE_VIPS_SYMBOL(cache_set_max, "vips_cache_set_max")
    WHISTLE_VIPS_SYMBOL(error_buffer, "vips_error_buffer")
    WHISTLE_VIPS_SYMBOL(error_clear, "vips_error_clear")
    WHISTLE_VIPS_SYMBOL(image_new_from_buffer, "vips_image_new_from_buffer")
    WHISTLE_VIPS_SYMBOL(image_new_from_file, "vips_image_new_from_file")
    WHISTLE_VIPS_SYMBOL(thumbnail_buffer, "vips_thumbnail_buffer")
    WHISTLE_VIPS_SYMBOL(array_double_newv, "vips_array_double_newv")
    WHISTLE_VIPS_SYMBOL(area_unref, "vips_area_unref")
    WHISTLE_VIPS_SYMBOL(flatten, "vips_flatten")
    WHISTLE_VIPS_SYMBOL(colourspace, "vips_colourspace")
    WHISTLE_VIPS_SYMBOL(jpegsave_buffer, "vips_jpegsave_buffer")
    WHISTLE_VIPS_SYMBOL(autorot, "vips_autorot")
    WHISTLE_VIPS_SYMBOL(extract_band, "vips_extract_band")
    WHISTLE_VIPS_SYMBOL(cast_uchar, "vips_cast_uchar")
    WHISTLE_VIPS_SYMBOL(image_get_typeof, "vips_image_get_typeof")
    WHISTLE_VIPS_SYMBOL(image_get_as_string, "vips_image_get_as_string")
    WHISTLE_VIPS_SYMBOL(image_write_to_memory, "vips_image_write_to_memory")
    WHISTLE_VIPS_SYMBOL(image_get_width, "vips_image_get_width")
    WHISTLE_VIPS_SYMBOL(image_get_height, "vips_image_get_height")
    WHISTLE_VIPS_SYMBOL(image_hasalpha, "vips_image_hasalpha")
#undef WHISTLE_VIPS_SYMBOL
    if (whistle_vips.init("whistle") != 0) {
        snprintf(whistle_vips_problem, sizeof whistle_vips_problem, "libvips did not start: %s", whistle_vips.error_buffer());
        return;
    }
    // Photos are small and few; a small cache keeps a long-running server's memory flat.
    whistle_vips.cache_set_max(20);
    whistle_vips_ready = 1;
}

/// Opens and starts libvips once; NULL when ready, else why not. Call before any other function here.
static inline const char *whistle_vips_start(void) {
    pthread_once(&whistle_vips_shared()->once, whistle_vips_open);
    return whistle_vips_ready ? NULL : whistle_vips_problem;
}

/// The library's error buffer, then cleared (copy it first).
static inline const char *whistle_vips_error_buffer(void) {
    if (whistle_vips_start()) return whistle_vips_problem;
    return whistle_vips.error_buffer();
}
static inline void whistle_vips_error_clear(void) {
    if (!whistle_vips_start()) whistle_vips.error_clear();
}

/// Reads only the header of an encoded image: size checks happen before any pixel is decoded.
static inline VipsImage *whistle_vips_header(const void *buf, size_t len) {
    if (whistle_vips_start()) return NULL;
    return whistle_vips.image_new_from_buffer(buf, len, "", NULL);
}

/// Decodes, turns upright by its EXIF orientation and shrinks to fit `max_side` (never enlarges).
static inline int whistle_vips_thumbnail(void *buf, size_t len, VipsImage **out, int max_side) {
    if (whistle_vips_start()) return -1;
    // fail_on=truncated: a broken upload is refused, not stored half grey.
    return whistle_vips.thumbnail_buffer(buf, len, out, max_side, "height", max_side, "size", VIPS_SIZE_DOWN,
                                         "option_string", "fail_on=truncated", NULL);
}

/// Transparent pixels onto white, so a PNG with alpha becomes a plain photo.
static inline int whistle_vips_flatten_white(VipsImage *in, VipsImage **out) {
    if (whistle_vips_start()) return -1;
    VipsArrayDouble *white = whistle_vips.array_double_newv(1, 255.0);
    int result = whistle_vips.flatten(in, out, "background", white, NULL);
    whistle_vips.area_unref(VIPS_AREA(white));
    return result;
}

static inline int whistle_vips_srgb(VipsImage *in, VipsImage **out) {
    if (whistle_vips_start()) return -1;
    return whistle_vips.colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/// JPEG with every metadata block (EXIF, GPS, XMP, ICC) dropped.
static inline int whistle_vips_jpeg_stripped(VipsImage *in, void **buf, size_t *len, int quality) {
    if (whistle_vips_start()) return -1;
    return whistle_vips.jpegsave_buffer(in, buf, len, "Q", quality, "strip", TRUE, NULL);
}

static inline VipsImage *whistle_vips_load_file(const char *path) {
    if (whistle_vips_start()) return NULL;
    return whistle_vips.image_new_from_file(path, NULL);
}

/// Turned upright by its EXIF orientation.
static inline int whistle_vips_autorot(VipsImage *in, VipsImage **out) {
    if (whistle_vips_start()) return -1;
    return whistle_vips.autorot(in, out, NULL);
}

/// One 8-bit grey band, for barcode readers.
static inline int whistle_vips_grey8(VipsImage *in, VipsImage **out) {
    if (whistle_vips_start()) return -1;
    VipsImage *bw = NULL;
    if (whistle_vips.colourspace(in, &bw, VIPS_INTERPRETATION_B_W, NULL)) return -1;
    VipsImage *one = NULL;
    int result = whistle_vips.extract_band(bw, &one, 0, NULL);
    g_object_unref(bw);
    if (result) return -1;
    result = whistle_vips.cast_uchar(one, out, NULL);
    g_object_unref(one);
    return result;
}

/// A string metadata field (EXIF fields come as "exif-ifd2-DateTimeOriginal"); NULL when absent. Free with g_free.
static inline char *whistle_vips_field(VipsImage *image, const char *name) {
    if (whistle_vips_start()) return NULL;
    if (whistle_vips.image_get_typeof(image, name) == 0) return NULL;
    char *out = NULL;
    if (whistle_vips.image_get_as_string(image, name, &out)) return NULL;
    return out;
}

/// The pixels as one buffer (free with g_free); `size` receives its length.
static inline void *whistle_vips_write_to_memory(VipsImage *image, size_t *size) {
    if (whistle_vips_start()) return NULL;
    return whistle_vips.image_write_to_memory(image, size);
}

static inline int whistle_vips_width(VipsImage *image) { return whistle_vips_start() ? 0 : whistle_vips.image_get_width(image); }
static inline int whistle_vips_height(VipsImage *image) { return whistle_vips_start() ? 0 : whistle_vips.image_get_height(image); }
static inline int whistle_vips_hasalpha(VipsImage *image) { return whistle_vips_start() ? 0 : whistle_vips.image_hasalpha(image); }

static inline void whistle_unref(VipsImage *image) {
    if (image) g_object_unref(image);
}
#endif
