//! Writing a binary file on the host through semihosting (results and
//! profiles travel this way; the log stream stays pure defmt).

use cortex_m_semihosting::{nr, syscall};

/// An open host file.
pub struct HostFile(usize);

impl HostFile {
    /// Create (truncate) `name`, a NUL-terminated path relative to QEMU's cwd.
    pub fn create(name: &[u8]) -> Option<HostFile> {
        let len = name.len().checked_sub(1)?;
        let fd = unsafe { syscall!(OPEN, name.as_ptr(), nr::open::W_TRUNC_BINARY, len) } as isize;
        (fd >= 0).then_some(HostFile(fd as usize))
    }

    /// Write all of `bytes`.
    pub fn write(&mut self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            let left = unsafe { syscall!(WRITE, self.0, bytes.as_ptr(), bytes.len()) };
            if left > bytes.len() {
                return false;
            }
            bytes = &bytes[bytes.len() - left..];
            if left == 0 {
                break;
            }
        }
        true
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        unsafe { syscall!(CLOSE, self.0) };
    }
}
