#ifndef CCODECS_H
#define CCODECS_H

/*
 * A thin C layer over libpng, libjpeg and libtiff. It exists because libpng and libjpeg report
 * errors by longjmp, which must not cross Swift frames: every libpng/libjpeg call happens here,
 * under a setjmp in the same C function. libtiff reports through error handlers instead, which
 * this layer installs per handle so that the message lands in that decoder's status. Failures come
 * back as a cc_status (a code and a message). Nothing here prints, exits or aborts.
 *
 * Decoding is in three steps so that the caller can check the size before allocating:
 *   cc_decoder_open_*   reads the header (and the ICC profile), no pixels;
 *   cc_decoder_read_rows fills the caller's buffer with interleaved samples, strip by strip;
 *   cc_decoder_finish   reads to the end of the file, so a truncated file is an error.
 * Encoding mirrors it: cc_encoder_open_*, cc_encoder_write_rows, cc_encoder_finish.
 */

#include <stddef.h>
#include <stdint.h>

/* The formats, each described by a row of the table in formats.c (a cc_format_info, below) and
 * implemented in a file of its own (png.c, jpeg.c, tiff.c). 0 is no format. */
typedef enum {
    CC_FORMAT_PNG = 1,
    CC_FORMAT_JPEG = 2,
    CC_FORMAT_TIFF = 3,
} cc_format;

/* The most bytes a signature holds: as many as are read from a file to recognise it. */
#define CC_SIGNATURE_MAX 16

/* Bytes a file of the format starts with. */
typedef struct {
    uint8_t bytes[CC_SIGNATURE_MAX];
    size_t size;
} cc_signature;

/* A bit of cc_format_info.write_depths. */
#define CC_DEPTH(bits) ((uint64_t)1 << (bits))

/* One format, as the table describes it. */
typedef struct {
    int format;       /* cc_format */
    const char *name; /* "PNG": how messages name the format */
    /* A file is of this format when it starts with one of `signatures`. One shorter than a
     * signature but of at least `cut_from` bytes, all matching it, is a file of this format cut
     * short inside its `signature_name` (CC_ERR_TRUNCATED_SIGNATURE); with `cut_from` 0 such a
     * file is simply not an image. */
    const cc_signature *signatures;
    int signature_count;
    size_t cut_from;
    const char *signature_name; /* "signature", "header" */
    /* What the encoder takes: the sample depths it writes (CC_DEPTH(8) | CC_DEPTH(16)), whether
     * an alpha sample, whether cc_encode_options.quality. */
    uint64_t write_depths;
    int writes_alpha;
    int takes_quality;
    /* An interlaced file is decoded in one cc_decoder_read_rows call for all its rows. */
    int interlaced_in_one_call;
} cc_format_info;

/* The table's row for `format`, or NULL when `format` names none (0 among them). */
const cc_format_info *cc_format_info_of(int format);

/* The file's colour layout. */
typedef enum {
    CC_COLOR_GRAY = 0,
    CC_COLOR_GRAY_ALPHA = 1,
    CC_COLOR_PALETTE = 2,
    CC_COLOR_RGB = 3,
    CC_COLOR_RGBA = 4,
    CC_COLOR_CMYK = 5, /* JPEG CMYK or YCCK: reported, never decoded */
} cc_color;

typedef enum {
    CC_OK = 0,
    CC_ERR_OPEN = 1,        /* the file could not be opened or created; message is strerror() */
    CC_ERR_IO = 2,          /* reading, writing or closing failed; message is strerror() */
    CC_ERR_EMPTY = 3,       /* zero-byte input */
    CC_ERR_NOT_IMAGE = 4,   /* no format's signature (cc_format_info.signatures) */
    CC_ERR_TRUNCATED_SIGNATURE = 5, /* the input ends inside a signature (cc_format_info.cut_from) */
    CC_ERR_CORRUPT = 6,     /* libpng/libjpeg/libtiff refused the data; message is theirs */
    CC_ERR_UNSUPPORTED = 7, /* a valid file we do not handle (12-bit JPEG, multi-page TIFF...) */
    CC_ERR_NO_MEMORY = 8,
    CC_ERR_USAGE = 9,       /* the caller broke this API's contract (a bug on our side) */
} cc_code;

#define CC_MESSAGE_MAX 256

typedef struct {
    int code;   /* cc_code */
    int format; /* cc_format once the first bytes have been recognised, else 0 */
    int sys_errno; /* for CC_ERR_IO and CC_ERR_OPEN: the operating system's errno, else 0 */
    char message[CC_MESSAGE_MAX];
} cc_status;

typedef struct {
    int format;      /* cc_format */
    uint32_t width;
    uint32_t height;
    int bit_depth;   /* per sample in the file: 1, 2, 4, 8 or 16; TIFF also 32 (float) */
    int color;       /* cc_color, as the file stores it */
    int interlaced;  /* PNG Adam7 or progressive JPEG */
    /* What cc_decoder_read_rows delivers: interleaved samples, colour first then alpha. */
    int out_channels;     /* colour channels: 1 or 3 */
    int out_has_alpha;    /* 1 when an alpha sample follows the colour samples */
    int out_sample_bytes; /* 1 (uint8, full scale 255), 2 (native-endian uint16, full scale 65535)
                             or, TIFF only, 4 (native float, full scale 1.0, not range-checked) */
    int out_alpha_premultiplied; /* TIFF associated alpha: colour samples are multiplied by alpha */
    int tiled;       /* TIFF stored in tiles rather than strips */
    int compression; /* TIFF Compression tag (1 none, 5 LZW, 8 Deflate...), else 0 */
} cc_header;

/* ---- decoding ---- */

typedef struct cc_decoder cc_decoder;

/* Open a file / an open descriptor / a memory buffer and read its header. NULL on failure, with
 * `status` set. A descriptor is duplicated and read from its start (the caller keeps its own); the
 * memory buffer must stay valid until cc_decoder_free. */
cc_decoder *cc_decoder_open_file(const char *path, cc_status *status);
cc_decoder *cc_decoder_open_fd(int fd, cc_status *status);
cc_decoder *cc_decoder_open_memory(const void *data, size_t size, cc_status *status);

const cc_header *cc_decoder_header(const cc_decoder *decoder);

/* The embedded ICC profile (PNG iCCP, JPEG APP2, TIFF tag 34675), or NULL. Owned by the decoder. */
const uint8_t *cc_decoder_icc_profile(const cc_decoder *decoder, size_t *size);

/* The EXIF block (TIFF header onwards, JPEG APP1 "Exif\0\0"), or NULL; PNG, TIFF: always NULL.
 * Owned by the decoder. */
const uint8_t *cc_decoder_exif(const cc_decoder *decoder, size_t *size);

/* Decode the next `rows` rows into `buffer` (row i at buffer + i * row_bytes, where row_bytes is
 * at least width * samples * sample_bytes). An interlaced file of a format whose row says
 * interlaced_in_one_call (PNG) must be read in one call for all rows. Returns 0 on success, -1
 * with `status` set. After a failure only cc_decoder_free is valid. */
int cc_decoder_read_rows(cc_decoder *decoder, void *buffer, size_t row_bytes, uint32_t rows,
                         cc_status *status);

/* Read past the image data to the end marker (PNG IEND, JPEG EOI; TIFF has none). */
int cc_decoder_finish(cc_decoder *decoder, cc_status *status);

void cc_decoder_free(cc_decoder *decoder);

/* ---- encoding ---- */

typedef struct cc_encoder cc_encoder;

typedef struct {
    int format;      /* cc_format */
    uint32_t width;
    uint32_t height;
    int channels;    /* colour channels: 1 or 3 */
    /* As the format's row allows (cc_format_info: writes_alpha, write_depths, takes_quality);
     * cc_encoder_open_* refuses anything else with CC_ERR_USAGE. */
    int has_alpha;   /* PNG, TIFF: an (unassociated) alpha sample follows the colour samples */
    int bit_depth;   /* PNG, TIFF: 8 or 16 (16: native-endian uint16 samples); JPEG: 8 */
    int quality;     /* JPEG: 1...100 */
    const uint8_t *icc_profile; /* optional, NULL for none (PNG iCCP, JPEG APP2, TIFF tag 34675) */
    size_t icc_profile_size;
    const uint8_t *exif; /* JPEG only, optional: written as APP1 "Exif\0\0" + these bytes */
    size_t exif_size;
} cc_encode_options;

/* Create `path` (truncating it) / an in-memory output, and write the header. */
cc_encoder *cc_encoder_open_file(const char *path, const cc_encode_options *options,
                                 cc_status *status);
cc_encoder *cc_encoder_open_memory(const cc_encode_options *options, cc_status *status);

/* Write the next `rows` rows, laid out as for cc_decoder_read_rows. */
int cc_encoder_write_rows(cc_encoder *encoder, const void *buffer, size_t row_bytes,
                          uint32_t rows, cc_status *status);

/* Write the trailer and flush and close the output; for a file, a failing close (e.g. a full
 * disk) is reported here. */
int cc_encoder_finish(cc_encoder *encoder, cc_status *status);

/* After a successful cc_encoder_finish on a memory encoder: the encoded bytes, owned by the
 * encoder. */
const uint8_t *cc_encoder_memory(const cc_encoder *encoder, size_t *size);

/* Free the encoder; an unfinished file is left as it is (the caller removes it). */
void cc_encoder_free(cc_encoder *encoder);

#endif
