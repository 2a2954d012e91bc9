/** reason_code of a request the user must answer with an OTP (no push is sent). */
export const OTP_REQUIRED_REASON_CODE = 708;
export const OTP_REQUIRED_REASON = 'User requires OTP authentication';
