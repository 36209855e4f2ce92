//! hidraw's feature-report ioctls (`<linux/hidraw.h>`): the only calls
//! live mode makes that are not reads and writes.

use std::io;
use std::os::fd::AsRawFd;

/// `_IOC(dir, 'H', nr, len)` for the hidraw ioctls.
fn ioc(dir: u64, nr: u64, len: usize) -> u64 {
    const IOC_NRSHIFT: u64 = 0;
    const IOC_TYPESHIFT: u64 = 8;
    const IOC_SIZESHIFT: u64 = 16;
    const IOC_DIRSHIFT: u64 = 30;
    (dir << IOC_DIRSHIFT)
        | ((b'H' as u64) << IOC_TYPESHIFT)
        | (nr << IOC_NRSHIFT)
        | (((len as u64) & 0x3fff) << IOC_SIZESHIFT)
}

/// `_IOC_WRITE | _IOC_READ`.
const IOC_READ_WRITE: u64 = 3;
/// `HIDIOCSFEATURE(len)` is nr 6, `HIDIOCGFEATURE(len)` nr 7.
const NR_SFEATURE: u64 = 6;
const NR_GFEATURE: u64 = 7;

/// Gets (`set` false: `buf[0]` is the report id, the answer is written
/// into `buf`) or sets a feature report; returns the bytes transferred.
pub fn feature(file: &impl AsRawFd, buf: &mut [u8], set: bool) -> io::Result<usize> {
    if buf.is_empty() || buf.len() > 0x3fff {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    let nr = if set { NR_SFEATURE } else { NR_GFEATURE };
    let request = ioc(IOC_READ_WRITE, nr, buf.len());
    // SAFETY: HIDIOC[GS]FEATURE(len) reads and writes at most `len` bytes
    // at the pointer given, and `buf` is valid for `buf.len()` bytes; the
    // fd is open for the duration of the call (borrowed from `file`).
    let r = unsafe { libc::ioctl(file.as_raw_fd(), request as _, buf.as_mut_ptr()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_numbers_match_linux() {
        // HIDIOCGFEATURE(4) and HIDIOCSFEATURE(4) from <linux/hidraw.h>.
        assert_eq!(ioc(IOC_READ_WRITE, NR_GFEATURE, 4), 0xc004_4807);
        assert_eq!(ioc(IOC_READ_WRITE, NR_SFEATURE, 4), 0xc004_4806);
    }

    #[test]
    fn a_file_that_is_not_hidraw_is_an_error_not_a_crash() {
        let f = std::fs::File::open("/dev/null").unwrap();
        let mut buf = [5u8, 0, 0, 0];
        assert!(feature(&f, &mut buf, false).is_err());
    }
}
