/* SPDX-License-Identifier: MIT */
/* Calls between the files of the kvm platform. */
#ifndef KVM_KVM_H
#define KVM_KVM_H

/* Remaps and masks both 8259 PICs (before interrupts are first enabled). */
void kvm_pic_disable(void);

/* Signals end of interrupt to the local APIC (device interrupt handlers). */
void kvm_apic_eoi(void);

#endif
