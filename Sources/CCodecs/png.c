/* PNG through libpng. libpng reports errors by longjmp to png_jmpbuf: every function that calls
 * into libpng sets that jump point first and turns a jump into a cc_status. Warnings are
 * swallowed (libpng would print them to stderr). No gamma or colour transforms: samples come
 * out as stored, except that palettes, sub-8-bit gray and tRNS are expanded (below). */

#include "codec.h"

#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    png_structp png;
    png_infop info;
    FILE *file;
    char message[CC_MESSAGE_MAX]; /* libpng's last error message */
    int io_errno;                 /* non-zero when the error was the operating system's */
    int passes;                   /* Adam7: 7, otherwise 1 */
    int started;                  /* png_read_update_info done */
} png_state;

static void on_error(png_structp png, png_const_charp message) {
    png_state *state = png_get_error_ptr(png);
    snprintf(state->message, sizeof state->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message; /* e.g. "iCCP: known incorrect sRGB profile": harmless, and not ours to print */
}

/* Our own I/O so that a short read says "unexpected end of file" rather than libpng's
 * "Read Error", and an operating-system error keeps its errno. */
static void read_data(png_structp png, png_bytep data, size_t length) {
    png_state *state = png_get_io_ptr(png);
    size_t n = fread(data, 1, length, state->file);
    if (n != length) {
        if (ferror(state->file)) {
            state->io_errno = errno ? errno : EIO;
            png_error(png, strerror(state->io_errno));
        }
        png_error(png, "unexpected end of file");
    }
}

static void write_data(png_structp png, png_bytep data, size_t length) {
    png_state *state = png_get_io_ptr(png);
    if (fwrite(data, 1, length, state->file) != length) {
        state->io_errno = errno ? errno : EIO;
        png_error(png, strerror(state->io_errno));
    }
}

static void flush_data(png_structp png) { (void)png; }

/* Turn the recorded libpng error into a status. */
static int fail_from_png(png_state *state, cc_status *status) {
    if (state->io_errno) {
        cc_fail(status, CC_ERR_IO, "%s", state->message);
        status->sys_errno = state->io_errno;
        return -1;
    }
    /* libpng's png_malloc says "Out of memory"; other allocations "... memory ..." too. */
    if (strstr(state->message, "memory"))
        return cc_fail(status, CC_ERR_NO_MEMORY, "%s", state->message);
    return cc_fail(status, CC_ERR_CORRUPT, "%s", state->message);
}

/* libpng's structs for one direction, on `file`: `create` is png_create_read_struct or
 * png_create_write_struct (the two take the same arguments), `create_name` its name for the
 * message should it fail. */
typedef png_structp (*png_create_fn)(png_const_charp, png_voidp, png_error_ptr, png_error_ptr);

static int start(png_state *state, FILE *file, png_create_fn create, const char *create_name,
                 cc_status *status) {
    state->file = file;
    state->png = create(PNG_LIBPNG_VER_STRING, state, on_error, on_warning);
    if (!state->png)
        return cc_fail(status, CC_ERR_NO_MEMORY, "%s failed", create_name);
    state->info = png_create_info_struct(state->png);
    if (!state->info)
        return cc_fail(status, CC_ERR_NO_MEMORY, "png_create_info_struct failed");
    return 0;
}

/* ---- decoding ---- */

static int cc_png_decoder_open(cc_decoder *decoder, cc_status *status) {
    png_state *state = decoder->impl;
    if (start(state, decoder->file, png_create_read_struct, "png_create_read_struct", status) != 0)
        return -1;
    if (setjmp(png_jmpbuf(state->png)))
        return fail_from_png(state, status);

    png_set_read_fn(state->png, state, read_data);
    /* libpng's default refuses widths or heights above 1,000,000; the caller enforces its own
     * pixel limit from this header before anything large is allocated. */
    png_set_user_limits(state->png, 0x7fffffff, 0x7fffffff);
    png_read_info(state->png, state->info); /* every chunk before the first IDAT */

    png_uint_32 width, height;
    int depth, color, interlace;
    png_get_IHDR(state->png, state->info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    int has_trns = png_get_valid(state->png, state->info, PNG_INFO_tRNS) != 0;

    cc_header *h = &decoder->header;
    h->width = width;
    h->height = height;
    h->bit_depth = depth;
    h->interlaced = interlace != PNG_INTERLACE_NONE;
    h->out_sample_bytes = depth == 16 ? 2 : 1;
    switch (color) {
    case PNG_COLOR_TYPE_GRAY:
        h->color = CC_COLOR_GRAY;
        h->out_channels = 1;
        h->out_has_alpha = has_trns;
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        h->color = CC_COLOR_GRAY_ALPHA;
        h->out_channels = 1;
        h->out_has_alpha = 1;
        break;
    case PNG_COLOR_TYPE_PALETTE:
        h->color = CC_COLOR_PALETTE;
        h->out_channels = 3;
        h->out_has_alpha = has_trns;
        h->out_sample_bytes = 1;
        break;
    case PNG_COLOR_TYPE_RGB:
        h->color = CC_COLOR_RGB;
        h->out_channels = 3;
        h->out_has_alpha = has_trns;
        break;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        h->color = CC_COLOR_RGBA;
        h->out_channels = 3;
        h->out_has_alpha = 1;
        break;
    default: /* png_read_info has already refused anything else */
        return cc_fail(status, CC_ERR_CORRUPT, "invalid PNG colour type %d", color);
    }

    png_charp name;
    int compression;
    png_bytep profile;
    png_uint_32 profile_size;
    if (png_get_iCCP(state->png, state->info, &name, &compression, &profile, &profile_size) &&
        profile_size > 0) {
        decoder->icc = malloc(profile_size);
        if (decoder->icc) {
            memcpy(decoder->icc, profile, profile_size);
            decoder->icc_size = profile_size;
        }
    }

    /* png_set_expand: palette -> RGB, tRNS -> a full alpha channel, gray 1/2/4 -> 8 bits scaled
     * to full range (v * 255 / (2^depth - 1), exact), so every output is 8 or 16 bits. */
    if (color == PNG_COLOR_TYPE_PALETTE || depth < 8 || has_trns)
        png_set_expand(state->png);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (depth == 16)
        png_set_swap(state->png); /* PNG stores 16-bit samples big-endian */
#endif
    state->passes = png_set_interlace_handling(state->png);
    return 0;
}

static int cc_png_decoder_read_rows(cc_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                                    uint32_t rows, cc_status *status) {
    png_state *state = decoder->impl;
    if (setjmp(png_jmpbuf(state->png)))
        return fail_from_png(state, status);
    const cc_header *h = &decoder->header;
    if (!state->started) {
        /* Deferred to here, after the caller checked the size: this allocates row buffers. */
        png_read_update_info(state->png, state->info);
        state->started = 1;
        size_t samples = (size_t)h->out_channels + (h->out_has_alpha ? 1 : 0);
        if (png_get_channels(state->png, state->info) != samples ||
            png_get_rowbytes(state->png, state->info) != h->width * samples * h->out_sample_bytes)
            return cc_fail(status, CC_ERR_CORRUPT, "unexpected PNG row layout after expansion");
    }
    /* For Adam7, each pass fills in its pixels of every row ("combine"); hence one call for the
     * whole image. */
    int passes = h->interlaced ? state->passes : 1;
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < rows; y++)
            png_read_row(state->png, buffer + (size_t)y * row_bytes, NULL);
    return 0;
}

static int cc_png_decoder_finish(cc_decoder *decoder, cc_status *status) {
    png_state *state = decoder->impl;
    if (setjmp(png_jmpbuf(state->png)))
        return fail_from_png(state, status);
    png_read_end(state->png, NULL); /* up to IEND: a file cut after the image data is an error */
    return 0;
}

static void cc_png_decoder_free(cc_decoder *decoder) {
    png_state *state = decoder->impl;
    if (state->png)
        png_destroy_read_struct(&state->png, state->info ? &state->info : NULL, NULL);
}

/* ---- encoding ---- */

static int cc_png_encoder_open(cc_encoder *encoder, const cc_encode_options *o, cc_status *status) {
    png_state *state = encoder->impl;
    if (start(state, encoder->file, png_create_write_struct, "png_create_write_struct", status) != 0)
        return -1;
    if (setjmp(png_jmpbuf(state->png)))
        return fail_from_png(state, status);

    png_set_write_fn(state->png, state, write_data, flush_data);
    png_set_user_limits(state->png, 0x7fffffff, 0x7fffffff);
    /* A profile libpng finds inconsistent (e.g. an RGB profile on a gray image) is dropped with
     * a warning instead of failing the whole write. */
    png_set_benign_errors(state->png, 1);
    int color = o->channels == 1 ? (o->has_alpha ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY)
                                 : (o->has_alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB);
    png_set_IHDR(state->png, state->info, o->width, o->height, o->bit_depth, color,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (o->icc_profile && o->icc_profile_size > 0 && o->icc_profile_size <= 0xffffffffu)
        png_set_iCCP(state->png, state->info, "ICC profile", PNG_COMPRESSION_TYPE_BASE,
                     o->icc_profile, (png_uint_32)o->icc_profile_size);
    png_write_info(state->png, state->info);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (o->bit_depth == 16)
        png_set_swap(state->png);
#endif
    return 0;
}

static int cc_png_encoder_write_rows(cc_encoder *encoder, const uint8_t *buffer, size_t row_bytes,
                                     uint32_t rows, cc_status *status) {
    png_state *state = encoder->impl;
    if (setjmp(png_jmpbuf(state->png)))
        return fail_from_png(state, status);
    for (uint32_t y = 0; y < rows; y++)
        png_write_row(state->png, buffer + (size_t)y * row_bytes);
    return 0;
}

static int cc_png_encoder_finish(cc_encoder *encoder, cc_status *status) {
    png_state *state = encoder->impl;
    if (setjmp(png_jmpbuf(state->png)))
        return fail_from_png(state, status);
    png_write_end(state->png, NULL);
    return 0;
}

static void cc_png_encoder_free(cc_encoder *encoder) {
    png_state *state = encoder->impl;
    if (state->png)
        png_destroy_write_struct(&state->png, state->info ? &state->info : NULL);
}

/* ---- the table's row ---- */

static const cc_signature signatures[] = {{{137, 80, 78, 71, 13, 10, 26, 10}, 8}};

const cc_codec cc_png_codec = {
    .info = {
        .format = CC_FORMAT_PNG,
        .name = "PNG",
        .signatures = signatures,
        .signature_count = sizeof signatures / sizeof signatures[0],
        .cut_from = 1, /* one byte of the signature is enough to say it was a PNG */
        .signature_name = "signature",
        .write_depths = CC_DEPTH(8) | CC_DEPTH(16),
        .writes_alpha = 1,
        .takes_quality = 0,
        .interlaced_in_one_call = 1, /* Adam7: each pass touches every row */
    },
    .decoder_state_size = sizeof(png_state),
    .encoder_state_size = sizeof(png_state),
    .decoder_open = cc_png_decoder_open,
    .decoder_read_rows = cc_png_decoder_read_rows,
    .decoder_finish = cc_png_decoder_finish,
    .decoder_free = cc_png_decoder_free,
    .encoder_open = cc_png_encoder_open,
    .encoder_write_rows = cc_png_encoder_write_rows,
    .encoder_finish = cc_png_encoder_finish,
    .encoder_free = cc_png_encoder_free,
};
